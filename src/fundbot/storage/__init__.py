"""storage: the store, the funding cache and the queue backends."""
