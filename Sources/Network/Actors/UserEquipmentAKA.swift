import Foundation
import SIPCore

/// The UE / USIM side of IMS AKA (TS 33.203 §6.1, RFC 3310): authenticate the network from
/// AUTN, then answer with RES as the digest password, `auts` on a stale SQN, or an empty
/// response when MAC-A is wrong.
extension UserEquipment {
    func answerAKA(_ r: SIPMessage, password: String, expires: Int) {
        guard let aka = subscriber.aka else { return }
        // A challenge, a resync, the challenge after it: more is a loop.
        guard akaAnswers < 3 else {
            registration = .failed(status: 401)
            note("Register", "AKA: challenged again after three answers")
            return
        }
        guard let c = r.challenges.first(where: { $0.algorithm?.uppercased() == AKA.algorithm.uppercased() }), let nonce = c.nonce else {
            registration = .failed(status: 401)
            note("Register", "no \(AKA.algorithm) challenge offered")
            return
        }
        let milenage: Milenage
        do { milenage = try Milenage(aka) } catch {
            registration = .failed(status: 401)
            note("Register", "AKA credentials unusable: \(error)")
            return
        }
        akaAnswers += 1
        let sqnMS = akaSQN ?? aka.sqn
        let realm = c.realm ?? userDomain
        let uri = registerURI
        let cnonce = ctx.random.hex(16)
        func digest(_ pw: [UInt8]) -> String {
            Digest.response(.md5, user: subscriber.name, realm: realm, password: pw, method: "REGISTER", uri: uri,
                            nonce: nonce, nc: "00000001", cnonce: cnonce, qop: "auth")
        }
        func header(response: String, extra: String = "") -> String {
            "Digest username=\"\(subscriber.name)\", realm=\"\(realm)\", nonce=\"\(nonce)\", uri=\"\(uri)\", response=\"\(response)\", "
                + "algorithm=\(AKA.algorithm), cnonce=\"\(cnonce)\", qop=auth, nc=00000001" + extra
        }
        let authorization: String
        switch AKA.answer(milenage, nonce: nonce, sqnMS: sqnMS, checkMAC: policy.bool("check_aka_mac"), checkSQN: policy.bool("check_aka_sqn")) {
        case .accepted(let res, let sqn, _, _):
            akaSQN = max(sqnMS, sqn)
            // A `password` given to register() stands for a RES this USIM did not compute.
            let pw = password == subscriber.password ? res : Array(password.utf8)
            authorization = header(response: digest(pw))
            note("Register", "AKA: network authenticated (SQN \(String(sqn, radix: 16))), answering with RES")
        case .syncFailure(let auts):
            let text = Data(auts).base64EncodedString()
            authorization = header(response: digest([]), extra: ", auts=\"\(text)\"")
            note("Register", "AKA: SQN not fresh (replayed challenge?), answering with auts")
        case .macFailure, .malformed:
            authorization = header(response: "")
            note("Register", "AKA: MAC-A wrong, the network is not authenticated: empty response")
        }
        sendRegister(answering: nil, password: password, expires: expires, authorization: authorization)
    }
}
