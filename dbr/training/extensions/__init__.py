"""Trainer extensions: evaluation, logging, progress, snapshots, schedules."""
