-- Global concurrency limits and leases on their slots (SQLite). Generated from prefect_storage_sql.tables, then frozen.
CREATE TABLE concurrency_limit_v2 (
	id VARCHAR(36) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	updated VARCHAR(32) NOT NULL, 
	active BOOLEAN NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	"limit" INTEGER NOT NULL, 
	active_slots INTEGER NOT NULL, 
	denied_slots INTEGER NOT NULL, 
	slot_decay_per_second FLOAT NOT NULL, 
	avg_slot_occupancy_seconds FLOAT NOT NULL, 
	slots_as_of FLOAT NOT NULL, 
	CONSTRAINT pk_concurrency_limit_v2 PRIMARY KEY (id), 
	CONSTRAINT uq_concurrency_limit_v2__name UNIQUE (name)
);

CREATE TABLE concurrency_lease (
	id VARCHAR(36) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	expiration VARCHAR(32) NOT NULL, 
	slots INTEGER NOT NULL, 
	holder_type VARCHAR(16), 
	holder_id VARCHAR(36), 
	CONSTRAINT pk_concurrency_lease PRIMARY KEY (id)
);

CREATE INDEX ix_concurrency_lease__expiration ON concurrency_lease (expiration);

CREATE INDEX ix_concurrency_lease__holder_id ON concurrency_lease (holder_id);

CREATE TABLE concurrency_lease_limit (
	lease_id VARCHAR(36) NOT NULL, 
	limit_id VARCHAR(36) NOT NULL, 
	CONSTRAINT pk_concurrency_lease_limit PRIMARY KEY (lease_id, limit_id), 
	CONSTRAINT fk_concurrency_lease_limit__lease_id__concurrency_lease FOREIGN KEY(lease_id) REFERENCES concurrency_lease (id) ON DELETE CASCADE, 
	CONSTRAINT fk_concurrency_lease_limit__limit_id__concurrency_limit_v2 FOREIGN KEY(limit_id) REFERENCES concurrency_limit_v2 (id) ON DELETE CASCADE
);

CREATE INDEX ix_concurrency_lease_limit__limit_id ON concurrency_lease_limit (limit_id);
