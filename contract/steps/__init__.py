"""Step definitions: thin bindings from feature sentences to harness functions."""
