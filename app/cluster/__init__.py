"""The cluster's lead side: what partner stations report (read from the receiver's database)."""
