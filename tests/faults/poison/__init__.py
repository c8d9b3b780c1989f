"""Poison job kinds for the fault suite (kinds.py), as an app a test worker can load."""
