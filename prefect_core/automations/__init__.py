"""Automations at work: templates, trigger evaluation, actions."""
