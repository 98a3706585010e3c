"""Straight-line orchestrators, the only writers to outputs/: one packet, a city's packet, a batch, the
programme catalogue."""
