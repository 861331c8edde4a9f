-- Inputs sent to flow runs (PostgreSQL). Generated from prefect_storage_sql.tables, then frozen.
CREATE TABLE flow_run_input (
	id UUID NOT NULL, 
	created TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated TIMESTAMP WITH TIME ZONE NOT NULL, 
	flow_run_id UUID NOT NULL, 
	key VARCHAR(255) NOT NULL, 
	value TEXT NOT NULL, 
	sender TEXT, 
	CONSTRAINT pk_flow_run_input PRIMARY KEY (id), 
	CONSTRAINT fk_flow_run_input__flow_run_id__flow_run FOREIGN KEY(flow_run_id) REFERENCES flow_run (id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX ix_flow_run_input__flow_run_id_key ON flow_run_input (flow_run_id, key);
