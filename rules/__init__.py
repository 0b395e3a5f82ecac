# Data only: this file exists so that a regular (non-editable) install ships rules/*.toml as the
# `formleak_rules` package. Nothing here is code the analyzer runs.
