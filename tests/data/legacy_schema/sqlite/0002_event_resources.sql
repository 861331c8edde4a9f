-- One row per resource an event involves (SQLite). Generated from prefect_storage_sql.tables, then frozen.
CREATE TABLE event_resources (
	id VARCHAR(36) NOT NULL, 
	event_id VARCHAR(36) NOT NULL, 
	occurred VARCHAR(32) NOT NULL, 
	resource_id VARCHAR(1024) NOT NULL, 
	resource_role VARCHAR(255) NOT NULL, 
	CONSTRAINT pk_event_resources PRIMARY KEY (id), 
	CONSTRAINT fk_event_resources__event_id__events FOREIGN KEY(event_id) REFERENCES events (id) ON DELETE CASCADE
);

CREATE INDEX ix_event_resources__event_id ON event_resources (event_id);
CREATE INDEX ix_event_resources__resource_id_occurred ON event_resources (resource_id, occurred);
