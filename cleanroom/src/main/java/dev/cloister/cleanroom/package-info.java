/** The clean room: what data owners, contract parties and the confidential job do with encrypted datasets. */
package dev.cloister.cleanroom;
