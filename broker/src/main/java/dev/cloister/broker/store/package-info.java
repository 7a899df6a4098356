/** The broker's durable state in SQLite: resources encrypted under the master key, release policies, the admin credential's hash, the token-signing key. */
package dev.cloister.broker.store;
