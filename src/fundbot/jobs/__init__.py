"""Background work: the job model, the durable queue and the workers."""
