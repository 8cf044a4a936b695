"""Bundled example scenarios (one folder each) and the code that generates their tables."""
