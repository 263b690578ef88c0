import { test } from "node:test";
import assert from "node:assert/strict";
import { buildProposals, parseProposal, parseProposalList, selectProposal, withPfsGroup } from "../../../src/ike/proposal.js";
import { DhGroup, EncrId, EsnId, IntegId, PrfId, ProtocolId, TransformType } from "../../../src/ike/registry.js";

function spec(text: string, kind: "ike" | "esp") {
  const r = parseProposal(text, kind);
  assert.ok(r.ok, r.ok ? "" : r.error);
  return r.spec;
}

test("strongSwan syntax: aes128-sha256-modp2048 names AES-CBC-128, HMAC-SHA2-256-128, PRF-HMAC-SHA2-256 and group 14", () => {
  assert.deepEqual(spec("aes128-sha256-modp2048", "ike"), {
    encr: [{ id: EncrId.ENCR_AES_CBC, keyBits: 128 }],
    integ: [IntegId.AUTH_HMAC_SHA2_256_128],
    prf: [PrfId.PRF_HMAC_SHA2_256],
    dh: [DhGroup.MODP_2048],
    esn: [],
  });
});

test("strongSwan syntax: an AEAD proposal carries no integrity algorithm and needs an explicit PRF for IKE", () => {
  assert.deepEqual(spec("aes128gcm16-prfsha256-ecp256", "ike").integ, []);
  assert.equal(parseProposal("aes128gcm16-ecp256", "ike").ok, false);
  assert.deepEqual(spec("aes256gcm16", "esp"), { encr: [{ id: EncrId.ENCR_AES_GCM_16, keyBits: 256 }], integ: [], prf: [], dh: [], esn: [EsnId.NO_ESN] });
});

test("strongSwan syntax: unknown tokens and empty lists are errors that name the token", () => {
  const r = parseProposal("aes128-sha999-modp2048", "ike");
  assert.equal(r.ok, false);
  assert.match(r.ok ? "" : r.error, /sha999/);
  assert.equal(parseProposalList(" , ", "esp").ok, false);
});

test("RFC 7296 §3.3: built proposals are numbered from 1 with a KEY_LENGTH attribute on AES", () => {
  const [p] = buildProposals([spec("aes256-sha384-ecp384", "ike")], ProtocolId.IKE, new Uint8Array(0));
  assert.ok(p);
  assert.equal(p.number, 1);
  const encr = p.transforms.find((t) => t.type === TransformType.ENCR);
  assert.deepEqual(encr?.attributes, [{ type: 14, value: 256 }]);
  assert.deepEqual(p.transforms.map((t) => t.type), [TransformType.ENCR, TransformType.PRF, TransformType.INTEG, TransformType.DH]);
});

test("RFC 7296 §2.7: the responder takes the initiator's first acceptable proposal and keeps its number", () => {
  const offer = buildProposals([spec("aes256-sha512-ecp521", "ike"), spec("aes128gcm16-prfsha256-ecp256", "ike")], ProtocolId.IKE, new Uint8Array(0));
  const ours = [spec("aes128-sha256-modp2048", "ike"), spec("aes128gcm16-prfsha256-ecp256", "ike")];
  const sel = selectProposal(offer, ours, ProtocolId.IKE, { requireDh: true, ignoreDh: false });
  assert.equal(sel?.number, 2);
  assert.equal(sel?.suite.encrId, EncrId.ENCR_AES_GCM_16);
  assert.equal(sel?.suite.dhGroup, DhGroup.ECP_256);
});

test("RFC 7296 §3.3.3: a proposal with a different key length does not match", () => {
  const offer = buildProposals([spec("aes256-sha256-modp2048", "ike")], ProtocolId.IKE, new Uint8Array(0));
  assert.equal(selectProposal(offer, [spec("aes128-sha256-modp2048", "ike")], ProtocolId.IKE, { requireDh: true, ignoreDh: false }), undefined);
});

test("RFC 5282 §8: an AEAD transform offered together with an integrity transform is not accepted", () => {
  const [p] = buildProposals([spec("aes128gcm16", "esp")], ProtocolId.ESP, new Uint8Array(4));
  assert.ok(p);
  const bad = { ...p, transforms: [...p.transforms, { type: TransformType.INTEG, id: IntegId.AUTH_HMAC_SHA2_256_128, attributes: [] }] };
  assert.equal(selectProposal([bad], [spec("aes128gcm16", "esp")], ProtocolId.ESP, { requireDh: false, ignoreDh: true }), undefined);
});

test("RFC 7296 §1.2: DH in the CHILD SA of IKE_AUTH is ignored, and the configured group is kept for PFS rekeys", () => {
  const esp = [spec("aes128gcm16-ecp256", "esp")];
  const offer = buildProposals(esp, ProtocolId.ESP, new Uint8Array([1, 2, 3, 4]), false);
  const sel = selectProposal(offer, esp, ProtocolId.ESP, { requireDh: false, ignoreDh: true });
  assert.ok(sel);
  assert.equal(sel.suite.dhGroup, 0);
  assert.equal(withPfsGroup(sel.suite, esp).dhGroup, DhGroup.ECP_256);
  assert.deepEqual(sel.suite.spi, new Uint8Array([1, 2, 3, 4]));
});

test("RFC 7296 §3.3.2: an ESP offer without an ESN transform means no ESN", () => {
  const [p] = buildProposals([spec("aes128gcm16", "esp")], ProtocolId.ESP, new Uint8Array(4));
  assert.ok(p);
  const noEsn = { ...p, transforms: p.transforms.filter((t) => t.type !== TransformType.ESN) };
  const sel = selectProposal([noEsn], [spec("aes128gcm16", "esp")], ProtocolId.ESP, { requireDh: false, ignoreDh: true });
  assert.equal(sel?.suite.esn, false);
});
