"""Tests that start no service: pure functions, the stores on files, Pilot against fakes."""
