"""Request bodies: every body an endpoint reads that is not a resource's own create/update
model (those live beside the resource in `prefect_core.schemas.<resource>`). One module per
resource; `base` holds what they share (null-means-default keys, paging)."""
