"""Framework models (Vue, Svelte, Knockout templates; framework and platform state), data in rules/frameworks.toml."""
