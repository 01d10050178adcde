"""Multi-fidelity scheduling (issue 13): asynchronous successive halving (ASHA) and Hyperband
over the run loop. ``settings``: the flags and the rung ladder; ``promotion``: the pure promotion
rules (one objective: top 1/eta; several: non-dominated sorting with crowding distance);
``scheduler``: what the driver asks for its queue; ``checkpoints``: where a rung's weights and
optimizer state live so a promotion trains only its extra epochs."""
