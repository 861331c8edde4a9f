-- Rows in the 0005 tables that the server at commit b3f39a3 (SQL-file migrations 0001-0005) stored
-- through its HTTP API (a limit, a lease on 2 of its slots); one statement per line.
INSERT INTO public.concurrency_lease VALUES ('c731dbeb-d939-4321-8546-7b171fab4018', '2026-12-01 13:36:55.012635+00', '2026-12-01 14:36:55.012635+00', 2, NULL, NULL);
INSERT INTO public.concurrency_limit_v2 VALUES ('45ee0bfe-c8fa-49eb-bdf7-497856d12535', '2026-12-01 13:36:55.00467+00', '2026-12-01 13:36:55.012635+00', true, 'legacy-limit', 5, 2, 0, 0, 2, 1796132215.012635);
INSERT INTO public.concurrency_lease_limit VALUES ('c731dbeb-d939-4321-8546-7b171fab4018', '45ee0bfe-c8fa-49eb-bdf7-497856d12535');
