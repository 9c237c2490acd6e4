"""Quality inspection: parts, measurements, defects (never deleted), SPC and capability."""
