-- Deployments, schedules, work pools, work queues, workers (PostgreSQL). Generated from prefect_storage_sql.tables, then frozen.

CREATE TABLE work_pool (
	id UUID NOT NULL, 
	created TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated TIMESTAMP WITH TIME ZONE NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	description TEXT, 
	type VARCHAR(255) NOT NULL, 
	base_job_template JSONB NOT NULL, 
	is_paused BOOLEAN NOT NULL, 
	concurrency_limit INTEGER, 
	status VARCHAR(16), 
	default_queue_id UUID, 
	storage_configuration JSONB NOT NULL, 
	last_transitioned_status_at TIMESTAMP WITH TIME ZONE, 
	CONSTRAINT pk_work_pool PRIMARY KEY (id), 
	CONSTRAINT uq_work_pool__name UNIQUE (name)
);

CREATE TABLE work_queue (
	id UUID NOT NULL, 
	created TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated TIMESTAMP WITH TIME ZONE NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	description TEXT, 
	is_paused BOOLEAN NOT NULL, 
	concurrency_limit INTEGER, 
	priority INTEGER NOT NULL, 
	work_pool_id UUID NOT NULL, 
	filter JSONB, 
	last_polled TIMESTAMP WITH TIME ZONE, 
	status VARCHAR(16), 
	CONSTRAINT pk_work_queue PRIMARY KEY (id), 
	CONSTRAINT fk_work_queue__work_pool_id__work_pool FOREIGN KEY(work_pool_id) REFERENCES work_pool (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX ix_work_queue__work_pool_id_name ON work_queue (work_pool_id, name);

CREATE INDEX ix_work_queue__work_pool_id_priority ON work_queue (work_pool_id, priority);

CREATE TABLE worker (
	id UUID NOT NULL, 
	created TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated TIMESTAMP WITH TIME ZONE NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	work_pool_id UUID NOT NULL, 
	last_heartbeat_time TIMESTAMP WITH TIME ZONE, 
	heartbeat_interval_seconds INTEGER, 
	status VARCHAR(16) NOT NULL, 
	CONSTRAINT pk_worker PRIMARY KEY (id), 
	CONSTRAINT fk_worker__work_pool_id__work_pool FOREIGN KEY(work_pool_id) REFERENCES work_pool (id) ON DELETE CASCADE
);

CREATE INDEX ix_worker__work_pool_id_last_heartbeat_time ON worker (work_pool_id, last_heartbeat_time);

CREATE UNIQUE INDEX ix_worker__work_pool_id_name ON worker (work_pool_id, name);

CREATE TABLE deployment (
	id UUID NOT NULL, 
	created TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated TIMESTAMP WITH TIME ZONE NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	version VARCHAR(255), 
	description TEXT, 
	flow_id UUID NOT NULL, 
	paused BOOLEAN NOT NULL, 
	concurrency_limit INTEGER, 
	concurrency_options JSONB, 
	job_variables JSONB NOT NULL, 
	parameters JSONB NOT NULL, 
	tags JSONB NOT NULL, 
	labels JSONB, 
	work_queue_name VARCHAR(255), 
	work_queue_id UUID, 
	last_polled TIMESTAMP WITH TIME ZONE, 
	parameter_openapi_schema JSONB, 
	path TEXT, 
	pull_steps JSONB, 
	entrypoint TEXT, 
	storage_document_id UUID, 
	infrastructure_document_id UUID, 
	created_by JSONB, 
	updated_by JSONB, 
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
	id UUID NOT NULL, 
	created TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated TIMESTAMP WITH TIME ZONE NOT NULL, 
	deployment_id UUID NOT NULL, 
	schedule JSONB NOT NULL, 
	active BOOLEAN NOT NULL, 
	max_scheduled_runs INTEGER, 
	parameters JSONB NOT NULL, 
	slug VARCHAR(255), 
	CONSTRAINT pk_deployment_schedule PRIMARY KEY (id), 
	CONSTRAINT fk_deployment_schedule__deployment_id__deployment FOREIGN KEY(deployment_id) REFERENCES deployment (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX ix_deployment_schedule__deployment_id_slug ON deployment_schedule (deployment_id, slug);

ALTER TABLE flow_run ADD COLUMN claimed_until TIMESTAMP WITH TIME ZONE;

CREATE INDEX ix_flow_run__work_queue_id_state_type_next_scheduled_start_time ON flow_run (work_queue_id, state_type, next_scheduled_start_time);
