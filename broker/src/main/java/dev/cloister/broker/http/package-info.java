/** The broker's HTTP surface on the JDK server with virtual threads: KBS routes, admin routes, discovery, health and metrics, problem+json errors. */
package dev.cloister.broker.http;
