"""formleak: find form fields that leave the page before submit."""

__version__ = "0.1.0"
