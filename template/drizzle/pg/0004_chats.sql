CREATE TABLE "chats" (
	"graph" text NOT NULL,
	"chat_id" text NOT NULL,
	"app_id" text NOT NULL,
	"last_run_id" text,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "chats_graph_chat_id_pk" PRIMARY KEY("graph","chat_id")
);
