"""Tests of the crypto adapters."""
