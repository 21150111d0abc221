-- +goose Up
-- The 12345 work order has one name in code, tables and commands: order.
-- Renames keep the rows, constraints and indexes as they are; the audit
-- log is append-only, so its older rows keep entity 'complaint' and
-- storage.AuditTrail reads both.
ALTER TABLE complaints RENAME TO orders;
ALTER SEQUENCE complaints_id_seq RENAME TO orders_id_seq;
ALTER INDEX complaints_pkey RENAME TO orders_pkey;
ALTER INDEX complaints_ticket_no_key RENAME TO orders_ticket_no_key;
ALTER INDEX complaints_open_due RENAME TO orders_open_due;
ALTER INDEX complaints_received RENAME TO orders_received;
ALTER INDEX complaints_registrar RENAME TO orders_registrar;
ALTER INDEX complaints_handler RENAME TO orders_handler;
ALTER INDEX complaints_unclosed_due RENAME TO orders_unclosed_due;
ALTER TABLE orders RENAME CONSTRAINT complaints_state_check TO orders_state_check;

ALTER TABLE complaint_cards RENAME TO order_cards;
ALTER TABLE order_cards RENAME COLUMN complaint_id TO order_id;
ALTER INDEX complaint_cards_pkey RENAME TO order_cards_pkey;
ALTER INDEX complaint_cards_order RENAME TO order_cards_order;
ALTER TABLE order_cards RENAME CONSTRAINT complaint_cards_complaint_id_fkey TO order_cards_order_id_fkey;

-- +goose Down
ALTER TABLE order_cards RENAME CONSTRAINT order_cards_order_id_fkey TO complaint_cards_complaint_id_fkey;
ALTER INDEX order_cards_order RENAME TO complaint_cards_order;
ALTER INDEX order_cards_pkey RENAME TO complaint_cards_pkey;
ALTER TABLE order_cards RENAME COLUMN order_id TO complaint_id;
ALTER TABLE order_cards RENAME TO complaint_cards;

ALTER TABLE orders RENAME CONSTRAINT orders_state_check TO complaints_state_check;
ALTER INDEX orders_unclosed_due RENAME TO complaints_unclosed_due;
ALTER INDEX orders_handler RENAME TO complaints_handler;
ALTER INDEX orders_registrar RENAME TO complaints_registrar;
ALTER INDEX orders_received RENAME TO complaints_received;
ALTER INDEX orders_open_due RENAME TO complaints_open_due;
ALTER INDEX orders_ticket_no_key RENAME TO complaints_ticket_no_key;
ALTER INDEX orders_pkey RENAME TO complaints_pkey;
ALTER SEQUENCE orders_id_seq RENAME TO complaints_id_seq;
ALTER TABLE orders RENAME TO complaints;
