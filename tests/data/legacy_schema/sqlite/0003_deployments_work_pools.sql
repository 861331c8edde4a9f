-- Deployments, schedules, work pools, work queues, workers (SQLite). Generated from prefect_storage_sql.tables, then frozen.

CREATE TABLE work_pool (
	id VARCHAR(36) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	updated VARCHAR(32) NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	description TEXT, 
	type VARCHAR(255) NOT NULL, 
	base_job_template TEXT NOT NULL, 
	is_paused BOOLEAN NOT NULL, 
	concurrency_limit INTEGER, 
	status VARCHAR(16), 
	default_queue_id VARCHAR(36), 
	storage_configuration TEXT NOT NULL, 
	last_transitioned_status_at VARCHAR(32), 
	CONSTRAINT pk_work_pool PRIMARY KEY (id), 
	CONSTRAINT uq_work_pool__name UNIQUE (name)
);

CREATE TABLE work_queue (
	id VARCHAR(36) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	updated VARCHAR(32) NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	description TEXT, 
	is_paused BOOLEAN NOT NULL, 
	concurrency_limit INTEGER, 
	priority INTEGER NOT NULL, 
	work_pool_id VARCHAR(36) NOT NULL, 
	filter TEXT, 
	last_polled VARCHAR(32), 
	status VARCHAR(16), 
	CONSTRAINT pk_work_queue PRIMARY KEY (id), 
	CONSTRAINT fk_work_queue__work_pool_id__work_pool FOREIGN KEY(work_pool_id) REFERENCES work_pool (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX ix_work_queue__work_pool_id_name ON work_queue (work_pool_id, name);

CREATE INDEX ix_work_queue__work_pool_id_priority ON work_queue (work_pool_id, priority);

CREATE TABLE worker (
	id VARCHAR(36) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	updated VARCHAR(32) NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	work_pool_id VARCHAR(36) NOT NULL, 
	last_heartbeat_time VARCHAR(32), 
	heartbeat_interval_seconds INTEGER, 
	status VARCHAR(16) NOT NULL, 
	CONSTRAINT pk_worker PRIMARY KEY (id), 
	CONSTRAINT fk_worker__work_pool_id__work_pool FOREIGN KEY(work_pool_id) REFERENCES work_pool (id) ON DELETE CASCADE
);

CREATE INDEX ix_worker__work_pool_id_last_heartbeat_time ON worker (work_pool_id, last_heartbeat_time);

CREATE UNIQUE INDEX ix_worker__work_pool_id_name ON worker (work_pool_id, name);

CREATE TABLE deployment (
	id VARCHAR(36) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	updated VARCHAR(32) NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	version VARCHAR(255), 
	description TEXT, 
	flow_id VARCHAR(36) NOT NULL, 
	paused BOOLEAN NOT NULL, 
	concurrency_limit INTEGER, 
	concurrency_options TEXT, 
	job_variables TEXT NOT NULL, 
	parameters TEXT NOT NULL, 
	tags TEXT NOT NULL, 
	labels TEXT, 
	work_queue_name VARCHAR(255), 
	work_queue_id VARCHAR(36), 
	last_polled VARCHAR(32), 
	parameter_openapi_schema TEXT, 
	path TEXT, 
	pull_steps TEXT, 
	entrypoint TEXT, 
	storage_document_id VARCHAR(36), 
	infrastructure_document_id VARCHAR(36), 
	created_by TEXT, 
	updated_by TEXT, 
	status VARCHAR(16) NOT NULL, 
	enforce_parameter_schema BOOLEAN NOT NULL, 
	CONSTRAINT pk_deployment PRIMARY KEY (id), 
	CONSTRAINT fk_deployment__flow_id__flow FOREIGN KEY(flow_id) REFERENCES flow (id) ON DELETE CASCADE, 
	CONSTRAINT fk_deployment__work_queue_id__work_queue FOREIGN KEY(work_queue_id) REFERENCES work_queue (id) ON DELETE SET NULL
);

CREATE UNIQUE INDEX ix_deployment__flow_id_name ON deployment (flow_id, name);

CREATE INDEX ix_deployment__updated ON deployment (updated);

CREATE INDEX ix_deployment__work_queue_id ON deployment (work_queue_id);

CREATE TABLE deployment_schedule (
	id VARCHAR(36) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	updated VARCHAR(32) NOT NULL, 
	deployment_id VARCHAR(36) NOT NULL, 
	schedule TEXT NOT NULL, 
	active BOOLEAN NOT NULL, 
	max_scheduled_runs INTEGER, 
	parameters TEXT NOT NULL, 
	slug VARCHAR(255), 
	CONSTRAINT pk_deployment_schedule PRIMARY KEY (id), 
	CONSTRAINT fk_deployment_schedule__deployment_id__deployment FOREIGN KEY(deployment_id) REFERENCES deployment (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX ix_deployment_schedule__deployment_id_slug ON deployment_schedule (deployment_id, slug);

ALTER TABLE flow_run ADD COLUMN claimed_until VARCHAR(32);

CREATE INDEX ix_flow_run__work_queue_id_state_type_next_scheduled_start_time ON flow_run (work_queue_id, state_type, next_scheduled_start_time);
