-- Rows in the 0005 tables that the server at commit b3f39a3 (SQL-file migrations 0001-0005) stored
-- through its HTTP API (a limit, a lease on 2 of its slots); one statement per line.
INSERT INTO "concurrency_lease" VALUES('8e5f8c7b-ad77-4494-9cb5-8884e200650b','2026-12-01T13:36:50.008972Z','2026-12-01T14:36:50.008972Z',2,NULL,NULL);
INSERT INTO "concurrency_lease_limit" VALUES('8e5f8c7b-ad77-4494-9cb5-8884e200650b','9b015200-fbf4-45d9-a872-2a42a3a50120');
INSERT INTO "concurrency_limit_v2" VALUES('9b015200-fbf4-45d9-a872-2a42a3a50120','2026-12-01T13:36:49.971663Z','2026-12-01T13:36:50.008972Z',1,'legacy-limit',5,2,0,0.0,2.0,1.7961322100089719295e+09);
