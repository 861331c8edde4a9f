-- Initial schema (PostgreSQL). Generated from prefect_storage_sql.tables with the
-- postgresql dialect (CreateTable/CreateIndex per table, in metadata.sorted_tables order), then frozen.

CREATE TABLE events (
	id UUID NOT NULL, 
	occurred TIMESTAMP WITH TIME ZONE NOT NULL, 
	received TIMESTAMP WITH TIME ZONE NOT NULL, 
	event VARCHAR(1024) NOT NULL, 
	resource_id VARCHAR(1024) NOT NULL, 
	resource JSONB NOT NULL, 
	related JSONB NOT NULL, 
	related_resource_ids TEXT NOT NULL, 
	payload JSONB NOT NULL, 
	follows UUID, 
	CONSTRAINT pk_events PRIMARY KEY (id)
);

CREATE INDEX ix_events__event_occurred ON events (event, occurred);
CREATE INDEX ix_events__occurred ON events (occurred);
CREATE INDEX ix_events__resource_id_occurred ON events (resource_id, occurred);

CREATE TABLE flow (
	id UUID NOT NULL, 
	created TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated TIMESTAMP WITH TIME ZONE NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	tags JSONB NOT NULL, 
	labels JSONB, 
	CONSTRAINT pk_flow PRIMARY KEY (id), 
	CONSTRAINT uq_flow__name UNIQUE (name)
);


CREATE TABLE log (
	id UUID NOT NULL, 
	created TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated TIMESTAMP WITH TIME ZONE NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	level SMALLINT NOT NULL, 
	flow_run_id UUID, 
	task_run_id UUID, 
	message TEXT NOT NULL, 
	timestamp TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_log PRIMARY KEY (id)
);

CREATE INDEX ix_log__flow_run_id_timestamp ON log (flow_run_id, timestamp);
CREATE INDEX ix_log__task_run_id_timestamp ON log (task_run_id, timestamp);
CREATE INDEX ix_log__timestamp ON log (timestamp);

CREATE TABLE task_run_state_cache (
	id UUID NOT NULL, 
	created TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated TIMESTAMP WITH TIME ZONE NOT NULL, 
	cache_key VARCHAR(2000) NOT NULL, 
	cache_expiration TIMESTAMP WITH TIME ZONE, 
	task_run_state_id UUID NOT NULL, 
	CONSTRAINT pk_task_run_state_cache PRIMARY KEY (id)
);

CREATE INDEX ix_task_run_state_cache__cache_key_created ON task_run_state_cache (cache_key, created);

CREATE TABLE flow_run (
	id UUID NOT NULL, 
	created TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated TIMESTAMP WITH TIME ZONE NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	flow_id UUID NOT NULL, 
	deployment_id UUID, 
	deployment_version VARCHAR(255), 
	work_queue_name VARCHAR(255), 
	work_queue_id UUID, 
	flow_version VARCHAR(255), 
	parameters JSONB NOT NULL, 
	idempotency_key VARCHAR(255), 
	context JSONB NOT NULL, 
	empirical_policy JSONB NOT NULL, 
	tags JSONB NOT NULL, 
	labels JSONB, 
	parent_task_run_id UUID, 
	auto_scheduled BOOLEAN NOT NULL, 
	infrastructure_document_id UUID, 
	infrastructure_pid VARCHAR(255), 
	created_by JSONB, 
	job_variables JSONB, 
	state_id UUID, 
	state_type VARCHAR(16), 
	state_name VARCHAR(64), 
	state_timestamp TIMESTAMP WITH TIME ZONE, 
	run_count INTEGER NOT NULL, 
	expected_start_time TIMESTAMP WITH TIME ZONE, 
	next_scheduled_start_time TIMESTAMP WITH TIME ZONE, 
	start_time TIMESTAMP WITH TIME ZONE, 
	end_time TIMESTAMP WITH TIME ZONE, 
	total_run_time FLOAT NOT NULL, 
	CONSTRAINT pk_flow_run PRIMARY KEY (id), 
	CONSTRAINT fk_flow_run__flow_id__flow FOREIGN KEY(flow_id) REFERENCES flow (id) ON DELETE CASCADE
);

CREATE INDEX ix_flow_run__deployment_id ON flow_run (deployment_id);
CREATE INDEX ix_flow_run__expected_start_time ON flow_run (expected_start_time);
CREATE UNIQUE INDEX ix_flow_run__flow_id_idempotency_key ON flow_run (flow_id, idempotency_key);
CREATE INDEX ix_flow_run__parent_task_run_id ON flow_run (parent_task_run_id);
CREATE INDEX ix_flow_run__state_type_next_scheduled_start_time ON flow_run (state_type, next_scheduled_start_time);

CREATE TABLE flow_run_state (
	id UUID NOT NULL, 
	created TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated TIMESTAMP WITH TIME ZONE NOT NULL, 
	run_id UUID NOT NULL, 
	type VARCHAR(16) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	timestamp TIMESTAMP WITH TIME ZONE NOT NULL, 
	message TEXT, 
	state_details JSONB NOT NULL, 
	data JSONB, 
	CONSTRAINT pk_flow_run_state PRIMARY KEY (id), 
	CONSTRAINT fk_flow_run_state__run_id__flow_run FOREIGN KEY(run_id) REFERENCES flow_run (id) ON DELETE CASCADE
);

CREATE INDEX ix_flow_run_state__run_id_timestamp ON flow_run_state (run_id, timestamp);

CREATE TABLE task_run (
	id UUID NOT NULL, 
	created TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated TIMESTAMP WITH TIME ZONE NOT NULL, 
	name VARCHAR(255) NOT NULL, 
	flow_run_id UUID, 
	task_key VARCHAR(255) NOT NULL, 
	dynamic_key VARCHAR(255) NOT NULL, 
	cache_key VARCHAR(2000), 
	cache_expiration TIMESTAMP WITH TIME ZONE, 
	task_version VARCHAR(255), 
	empirical_policy JSONB NOT NULL, 
	tags JSONB NOT NULL, 
	labels JSONB, 
	task_inputs JSONB NOT NULL, 
	flow_run_run_count INTEGER NOT NULL, 
	state_id UUID, 
	state_type VARCHAR(16), 
	state_name VARCHAR(64), 
	state_timestamp TIMESTAMP WITH TIME ZONE, 
	run_count INTEGER NOT NULL, 
	expected_start_time TIMESTAMP WITH TIME ZONE, 
	next_scheduled_start_time TIMESTAMP WITH TIME ZONE, 
	start_time TIMESTAMP WITH TIME ZONE, 
	end_time TIMESTAMP WITH TIME ZONE, 
	total_run_time FLOAT NOT NULL, 
	CONSTRAINT pk_task_run PRIMARY KEY (id), 
	CONSTRAINT fk_task_run__flow_run_id__flow_run FOREIGN KEY(flow_run_id) REFERENCES flow_run (id) ON DELETE CASCADE
);

CREATE INDEX ix_task_run__expected_start_time ON task_run (expected_start_time);
CREATE UNIQUE INDEX ix_task_run__flow_run_id_task_key_dynamic_key ON task_run (flow_run_id, task_key, dynamic_key);
CREATE INDEX ix_task_run__state_type_next_scheduled_start_time ON task_run (state_type, next_scheduled_start_time);

CREATE TABLE task_run_state (
	id UUID NOT NULL, 
	created TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated TIMESTAMP WITH TIME ZONE NOT NULL, 
	run_id UUID NOT NULL, 
	type VARCHAR(16) NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	timestamp TIMESTAMP WITH TIME ZONE NOT NULL, 
	message TEXT, 
	state_details JSONB NOT NULL, 
	data JSONB, 
	CONSTRAINT pk_task_run_state PRIMARY KEY (id), 
	CONSTRAINT fk_task_run_state__run_id__task_run FOREIGN KEY(run_id) REFERENCES task_run (id) ON DELETE CASCADE
);

CREATE INDEX ix_task_run_state__run_id_timestamp ON task_run_state (run_id, timestamp);
