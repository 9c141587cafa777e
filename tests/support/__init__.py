"""Test and benchmark support code that must not ship in the app package."""
