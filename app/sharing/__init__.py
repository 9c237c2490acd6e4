"""Sharing with the cluster's partners: each record filtered by the partner's policy, with its
provenance (docs/SHARING.md). Default deny: what a policy does not grant never leaves."""

from app.sharing.policy import SharedRecord, SharingPolicy
from app.sharing.resample import SummaryResampler, merge_summaries

__all__ = ["SharedRecord", "SharingPolicy", "SummaryResampler", "merge_summaries"]
