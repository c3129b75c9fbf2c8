"""Tests for the renderers."""
