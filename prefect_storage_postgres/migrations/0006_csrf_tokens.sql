-- CSRF tokens (PostgreSQL). Generated from prefect_storage_sql.tables, then frozen.
CREATE TABLE csrf_token (
	id UUID NOT NULL, 
	created TIMESTAMP WITH TIME ZONE NOT NULL, 
	updated TIMESTAMP WITH TIME ZONE NOT NULL, 
	client VARCHAR(255) NOT NULL, 
	token VARCHAR(64) NOT NULL, 
	expiration TIMESTAMP WITH TIME ZONE NOT NULL, 
	CONSTRAINT pk_csrf_token PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_csrf_token__client ON csrf_token (client);

CREATE INDEX ix_csrf_token__expiration ON csrf_token (expiration);
