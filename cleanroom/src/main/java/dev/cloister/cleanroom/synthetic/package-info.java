/** Synthetic patient records for demonstrations and tests: no real person's data anywhere in Cloister. */
package dev.cloister.cleanroom.synthetic;
