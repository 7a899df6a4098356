/** A data owner's key broker: releases data keys only to TEEs whose fresh evidence passes the owner's policy (KBS protocol v0). */
package dev.cloister.broker;
