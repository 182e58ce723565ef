"""Fuzzing: coverage-guided harnesses (atheris) over the readers, parsers and the fixer.

``targets`` holds what each harness checks on one input, with no fuzzer in it, so that the
regression tests run the very same checks on the inputs the fuzzers found. See README.md.
"""
