"""The tests, a package so that they, scripts and bench/ import helpers by one name (tests.chromium)."""
