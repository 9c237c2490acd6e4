"""Alarm management to ISA-18.2: definitions, state machine, journal and performance figures."""
