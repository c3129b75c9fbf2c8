"""devproxy: the smee client that forwards webhooks to a local `fundbot serve`."""
