"""Alarm management to ISA-18.2: definitions, state machine, journal and performance figures.

Import from the modules themselves (``app.alarms.manager``, ``app.alarms.model`` ...); this
package re-exports nothing, so importing one module never drags in the others.
"""
