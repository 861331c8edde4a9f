"""One module per API resource; each exposes `routes`, a `web.RouteTableDef`."""
