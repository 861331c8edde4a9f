-- CSRF tokens (SQLite). Generated from prefect_storage_sql.tables, then frozen.
CREATE TABLE csrf_token (
	id VARCHAR(36) NOT NULL, 
	created VARCHAR(32) NOT NULL, 
	updated VARCHAR(32) NOT NULL, 
	client VARCHAR(255) NOT NULL, 
	token VARCHAR(64) NOT NULL, 
	expiration VARCHAR(32) NOT NULL, 
	CONSTRAINT pk_csrf_token PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_csrf_token__client ON csrf_token (client);

CREATE INDEX ix_csrf_token__expiration ON csrf_token (expiration);
