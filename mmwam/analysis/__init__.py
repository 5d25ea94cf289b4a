"""Analyses of trained models (encoder probes)."""
