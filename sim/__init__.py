"""Moments of Truth: an agent-based simulation of the customer journey."""
