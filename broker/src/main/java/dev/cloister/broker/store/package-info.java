/** The broker's durable state (SQLite or PostgreSQL): resources by path, encrypted under the master key, release policies, the admin credential's hash, the token-signing key; it depends on no other broker package. */
package dev.cloister.broker.store;
