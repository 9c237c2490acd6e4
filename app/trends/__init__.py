"""What a trend view needs from the core besides samples: marks on its time axis (alarms,
defects) and saved trend sets."""
