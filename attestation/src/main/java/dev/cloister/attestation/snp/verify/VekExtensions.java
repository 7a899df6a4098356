package dev.cloister.attestation.snp.verify;

import dev.cloister.attestation.Octets;
import dev.cloister.attestation.snp.abi.ProductLine;
import dev.cloister.attestation.snp.abi.TcbVersion;
import java.util.Optional;

/**
 * The AMD extensions of a VCEK or VLEK certificate (AMD "VCEK Certificate and KDS Interface
 * Specification", OIDs under 1.3.6.1.4.1.3704.1), as read from a certificate whose signature has
 * been checked.
 *
 * @param structVersion 1.3.6.1.4.1.3704.1.1 (0 when absent)
 * @param productName 1.3.6.1.4.1.3704.1.2, e.g. {@code "Milan-B0"}
 * @param tcb the TCB the certificate was issued for, encoded with {@code product}'s layout from
 *     blSPL (.3.1), teeSPL (.3.2), snpSPL (.3.3), ucodeSPL (.3.8) and, on Turin, fmcSPL (.3.9)
 * @param hwid 1.3.6.1.4.1.3704.1.4, the chip ID (64 bytes; 8 on Turin); absent on a VLEK
 * @param cspId 1.3.6.1.4.1.3704.1.5, the cloud provider of a VLEK; absent on a VCEK
 */
public record VekExtensions(
    int structVersion,
    String productName,
    ProductLine product,
    TcbVersion tcb,
    Optional<Octets> hwid,
    Optional<String> cspId) {}
