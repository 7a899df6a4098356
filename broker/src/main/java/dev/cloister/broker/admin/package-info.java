/** The client of a broker's admin API, for its data owner: one HTTP client, one error type. */
package dev.cloister.broker.admin;
