"""Find where each dependency's people accept money: sources, resolver, cache."""
