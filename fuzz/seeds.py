#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/seeds/<target>/: a handful of small, valid
inputs per target, framed as the target reads them (first byte: the mode).

Valid means accepted by the real code: the grant and revocation are compact
JWS exactly as `sign_grant`/`sign_revocation` write them (same JSON field
order, same fixed member key as fuzz/src/lib.rs), the checkpoint is a C2SP
note signed with the fuzz log key, the envelope is an age v1 file to the fuzz
age identity, the sealed value follows vault/src/keys/seal.rs, the log entry
follows the encoding in audit/src/entry.rs, the proofs are RFC 9162's. Written
independently of the Rust code on purpose: the seeds double as a small
interoperability check (a target that rejects its seed shows up as low
coverage at start). The Go signed-note test vector is copied from
audit/src/checkpoint.rs.

Needs python3 with the `cryptography` package. Run: python3 fuzz/seeds.py
Envelopes and seals use fresh randomness, so rerun only when a seed must change.
"""
import os, json, hashlib, hmac, base64, struct
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305, AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives import hashes, serialization

D=os.path.join(os.path.dirname(os.path.abspath(__file__)),'seeds')
def put(t,name,mode,body):
    os.makedirs(f'{D}/{t}',exist_ok=True)
    if isinstance(body,str): body=body.encode()
    open(f'{D}/{t}/{name}','wb').write((bytes([mode]) if mode is not None else b'')+body)
def b64u(b): return base64.urlsafe_b64encode(b).rstrip(b'=').decode()
def b64(b): return base64.b64encode(b).decode()
def b64n(b): return base64.b64encode(b).rstrip(b'=').decode()
def raw(k): return k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
def cj(o): return json.dumps(o,separators=(',',':'),ensure_ascii=False)

member=Ed25519PrivateKey.from_private_bytes(bytes([0x11]*32))
P1='p-'+'01'*16; P2='p-'+'02'*16; H='h-'+'44'*16; G3='g-'+'03'*16; G4='g-'+'04'*16
T0=1780000000
def fpr(key,rec):
    d=hashlib.sha256(b'kluis key fingerprint v1\0'+key+struct.pack('>Q',len(rec))+rec.encode()).hexdigest()[:32]
    return ' '.join(d[i:i+4] for i in range(0,32,4))
grant={"iss":P1,"sub":P2,"jti":G3,"iat":T0,"nbf":T0,"exp":T0+365*86400,"kluis":"grant/1","household":H,
       "grantee_fpr":fpr(bytes([9]*32),"age1example"),"scope":["financien/*","wonen/situatie"],"actions":["read","write"],"purpose":"schuldhulp"}
rev={"iss":P1,"jti":G4,"iat":T0+86400,"kluis":"revocation/1","grant":G3,"household":H}
def header(typ): return {"alg":"EdDSA","typ":typ,"kid":P1,"jwk":{"kty":"OKP","crv":"Ed25519","x":b64u(raw(member))}}
def jws(h,p):
    inp=b64u(cj(h).encode())+'.'+b64u(cj(p).encode())
    return inp+'.'+b64u(member.sign(inp.encode()))
gj=jws(header("kluis-grant+jwt"),grant); rj=jws(header("kluis-revocation+jwt"),rev)
put('jws','grant-jws',0,gj); put('jws','revocation-jws',0,rj)
put('jws','grant-claims',1,cj(grant)); put('jws','revocation-claims',2,cj(rev))
put('jws','header-and-claims',3,cj(header("kluis-grant+jwt")).encode()+b'\0'+cj(grant).encode())

# checkpoint
logk=Ed25519PrivateKey.from_private_bytes(bytes([0x22]*32)); NAME='kluis.example/fuzz-log'
kid=hashlib.sha256(NAME.encode()+b'\n\x01'+raw(logk)).digest()[:4]
root=hashlib.sha256(b'\0x').digest()
body=f'{NAME}\n40\n{b64(root)}\n'
note=body+'\n'+'\u2014 '+NAME+' '+b64(kid+logk.sign(body.encode()))+'\n'
put('checkpoint','note',0,note)
put('checkpoint','go-note',0,"If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
put('checkpoint','body',1,body)
vkey=NAME+'+'+kid.hex()+'+'+b64(bytes([1])+raw(logk))
put('checkpoint','verifier-key',2,vkey)
put('checkpoint','go-private-key',3,"PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")

# age envelope to identity 0x42*32 (age v1, one X25519 stanza)
CH="qpzry9x8gf2tvdw0s3jn54khce6mua7l"
def polymod(v):
    G=[0x3b6a57b2,0x26508e6d,0x1ea119fa,0x3d4233dd,0x2a1462b3];c=1
    for x in v:
        b=c>>25;c=(c&0x1ffffff)<<5^x
        for i in range(5): c^=G[i] if (b>>i)&1 else 0
    return c
def bech(hrp,data):
    acc=0;bits=0;d=[]
    for x in data:
        acc=(acc<<8)|x;bits+=8
        while bits>=5: bits-=5;d.append((acc>>bits)&31)
    if bits: d.append((acc<<(5-bits))&31)
    v=[ord(c)>>5 for c in hrp]+[0]+[ord(c)&31 for c in hrp]+d
    pm=polymod(v+[0]*6)^1
    return hrp+'1'+''.join(CH[x] for x in d+[(pm>>5*(5-i))&31 for i in range(6)])
me=X25519PrivateKey.from_private_bytes(bytes([0x42]*32)); mepub=raw(me)
recipient=bech('age',mepub)
def hkdf(salt,ikm,info,n=32): return HKDF(hashes.SHA256(),n,salt,info).derive(ikm)
def age_encrypt(pub,secret):
    fk=os.urandom(16); eph=X25519PrivateKey.generate(); ephpub=raw(eph)
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    shared=eph.exchange(X25519PublicKey.from_public_bytes(pub))
    wk=hkdf(ephpub+pub,shared,b'age-encryption.org/v1/X25519')
    wrapped=ChaCha20Poly1305(wk).encrypt(b'\0'*12,fk,None)
    hdr=f'age-encryption.org/v1\n-> X25519 {b64n(ephpub)}\n{b64n(wrapped)}\n---'
    mac=hmac.new(hkdf(b'',fk,b'header'),hdr.encode(),hashlib.sha256).digest()
    hdr+=' '+b64n(mac)+'\n'
    nonce=os.urandom(16); pk=hkdf(nonce,fk,b'payload')
    ct=ChaCha20Poly1305(pk).encrypt(b'\0'*11+b'\x01',secret,None)
    return hdr.encode()+nonce+ct
env=age_encrypt(mepub,bytes([7]*32)); envb=b64(env)
def aad(h,path,ver,gen): return b'kluis-field/v1\0'+h+struct.pack('>H',len(path))+path.encode()+struct.pack('>qq',ver,gen)
content=b'schulden bij de energieleverancier'
padded=struct.pack('>I',len(content))+content; padded+=b'\0'*(256-len(padded))
n=os.urandom(12)
sealed=n+AESGCM(bytes([0x33]*32)).encrypt(n,padded,aad(bytes([0x44]*16),'financien/situatie',1,1))
lst=[{"reader":"household","envelope":envb},{"reader":P2,"envelope":envb}]
put('envelope','check',0,env); put('envelope','decode-envelope',1,envb); put('envelope','decode-envelopes',2,cj(lst))
put('envelope','ciphertext',3,b64(sealed)); put('envelope','open',4,env); put('envelope','seal-open',5,sealed)

for n_,v in [('section','financien'),('field','financien/situatie'),('observation','observaties/2026-11-23-a1b2/3'),('json','"wonen/situatie"')]: put('field_path',n_,None,v)
for n_,v in [('exact','financien/situatie'),('section','financien/*'),('scope','financien/*, wonen/situatie'),('json','["financien/*","wonen/situatie"]')]: put('selector',n_,None,v)
for n_,v in [('principal',P1),('household',H),('grant',G3),('purpose','schuldhulp'),('action','write'),('fingerprint',fpr(bytes([9]*32),"age1example"))]: put('ids',n_,None,v)

# log entry (encoding v1)
def s(x): x=x.encode(); return struct.pack('>H',len(x))+x
def o(x): return b'\0' if x is None else b'\1'+s(x)
e=(b'\x01'+struct.pack('>Qq',5,T0*1000+5)+s('field.read')+b'R'+s('allowed')+bytes([7])+o(P1)+o('professional')+o('Wijkteam Noord')+o(None)+o(H)
   +struct.pack('>H',2)+s('financien/situatie')+s('wonen/situatie')+o(G3)+o('schuldhulp')+s('req-5')+s('kluis-1')+o(None)+b'\x01'+bytes([0xab]*32))
ej={"version":1,"seq":5,"time_ms":T0*1000+5,"event":"field.read","action":"R","outcome":"allowed","flags":{"authorised":True,"involved":True,"consent":True,"emergency":False},
    "actor":P1,"actor_role":"professional","actor_org":"Wijkteam Noord","on_behalf_of":None,"household":H,"fields":["financien/situatie","wonen/situatie"],
    "basis":G3,"purpose":"schuldhulp","request_id":"req-5","instance":"kluis-1","reason":None,"payload_commitment":"ab"*32}
def lh(x): return hashlib.sha256(b'\0'+x).digest()
def nh(a,b): return hashlib.sha256(b'\1'+a+b).digest()
def mth(l):
    if len(l)==0: return hashlib.sha256(b'').digest()
    if len(l)==1: return l[0]
    k=1
    while k*2<len(l): k*=2
    return nh(mth(l[:k]),mth(l[k:]))
leaves=[lh(bytes([i])) for i in range(7)]
fr=b'\x01'+struct.pack('>Q',5)+mth(leaves[:4])+leaves[4]
put('log_entry','leaf',0,e); put('log_entry','json',1,cj(ej)); put('log_entry','frontier',2,fr)
def path(m,l):
    if len(l)<=1: return []
    k=1
    while k*2<len(l): k*=2
    return path(m,l[:k])+[mth(l[k:])] if m<k else path(m-k,l[k:])+[mth(l[:k])]
def subproof(m,l,b):
    n=len(l)
    if m==n: return [] if b else [mth(l)]
    k=1
    while k*2<n: k*=2
    return subproof(m,l[:k],b)+[mth(l[k:])] if m<=k else subproof(m-k,l[k:],False)+[mth(l[:k])]
r=mth(leaves)
inc=bytes([0])+struct.pack('>QQ',3,7)+leaves[3]+r+b''.join(path(3,leaves))
con=bytes([1])+struct.pack('>QQ',3,7)+mth(leaves[:3])+r+b''.join(subproof(3,leaves,True))
tree=bytes([2])+struct.pack('>QQ',3,5)+b''.join(leaves)
put('proofs','inclusion',None,inc); put('proofs','consistency',None,con); put('proofs','tree',None,tree)

sig='A'*86; K=b64u(bytes([0x11]*32))
# A recovery/passkey blob of the right shape (version 1, nonce, tag), a fingerprint's shape.
BLOB=b64u(bytes([1])+bytes(40)); FP=' '.join(['0123','4567','89ab','cdef']*2)
bodies=[(0,{"signing_key":K}),(1,{"challenge_id":"AAAAAAAAAAAAAAAAAAAAAA","signature":sig}),
 (2,{"role":"professional","name":"Piet","org":"Wijkteam Noord"}),(3,{"invite":"kluis-abcd-efgh","keys":{"signing_key":K,"age_recipient":recipient}}),
 (4,{"household_id":H,"recipient":recipient,"signed_at_ms":T0*1000,"signature":sig,"identity_envelope":envb}),
 (5,{"principal_id":P1,"signed_at_ms":T0*1000,"signature":sig,"identity_envelope":envb}),
 (6,{"replaces":0,"ciphertext":b64(sealed),"envelopes":lst,"signed":{"signed_at_ms":T0*1000,"signature":sig}}),
 (7,{"jws":gj,"keys":[{"path":"financien/situatie","version":1,"key_gen":1,"envelope":envb}]}),(8,{"jws":rj}),
 (9,{"version":1,"key_gen":2,"ciphertext":b64(sealed),"envelopes":lst,"signed":{"signed_at_ms":T0*1000,"grant":G3,"signature":sig}}),
 (10,{"path":"observaties/2026-11-23-a1b2","private":True,"ciphertext":b64(sealed),"envelopes":lst,"signed":{"signed_at_ms":T0*1000,"signature":sig}}),
 (11,{"replaces":1,"ciphertext":b64(sealed),"envelopes":lst,"signed":{"signed_at_ms":T0*1000,"grant":G3,"signature":sig}}),(12,{"basis":"wmo"}),(13,{"reason":"rechtszaak 2026-123"}),(14,{"approved_by":"Archivaris"}),
 (15,f"household={H}&actor={P1}&since=2026-01-01&until=2026-12-31T23:59:59Z&event=field.read&after=10&limit=100"),(16,"old=3&new=7&from=0&limit=1000"),
 (17,{"path":"financien/situatie","current_version":1,"household_recipient":recipient,"readers":[{"principal_id":P2,"age_recipient":"age1example","signing_key":K,"grant_id":G3,"grant":gj}]}),
 (17,{"path":"financien/situatie","version":1,"key_gen":1,"ciphertext":b64(sealed),"reader":"household","envelope":envb,"author_role":"client","created_at":"2026-11-23T10:15:00Z","private":False,"writer":P1,
   "proof":{"statement":f"kluis-version/v1\nhousehold: {H}\npath: financien/situatie\nversion: 1\nkey-gen: 1\nciphertext-sha256: {'ab'*32}\nreaders: household,{P2}\nwriter: {P1}\ngrant: {G3}\nsigner: {P1}\nprivate: no\nsigned-at-ms: {T0*1000}\n","signature":sig,"writer_grant":gj}}),
 (17,{"checkpoint":note,"size":40,"root":b64(root)}),(17,{"leaves":[{"seq":5,"leaf":b64(e),"household_id":None,"time_ms":T0*1000}],"next":6}),
 (18,{"lookup_id":"ab"*32,"credential_id":b64u(bytes([1]*32)),"label":"Telefoon van Anna","blob":BLOB}),(18,{"lookup_id":"ab"*32}),
 (19,{"keys":{"signing_key":K,"age_recipient":recipient},"signed_at_ms":T0*1000,"old_signature":sig,"new_signature":sig,"households":[{"household_id":H,"envelope":envb}],
   "fields":[{"household_id":H,"path":"financien/situatie","version":1,"key_gen":1,"envelope":envb}],"recovery":{"lookup_id":"ab"*32,"blob":BLOB}}),
 (20,{"contact_id":P2,"contact_fingerprint":FP,"wait_ms":7*86400000,"signed_at_ms":T0*1000,"signature":sig,"identity_envelope":envb}),
 (20,{"member_fingerprint":FP,"previous_fingerprint":FP,"signed_at_ms":T0*1000,"signature":sig,"identity_envelope":envb})]
for i,(k,b) in enumerate(bodies): put('api_bodies',f'kind-{k:02}-{i:02}',k,b if isinstance(b,str) else cj(b))
put('config','term',0,'P5Y6M10D'); put('config','schedule',1,'[classes.wmo]\nterm = "P15Y"\n[classes.proef]\nterm = "P30D"\n')
put('config','template',2,open(os.path.join(os.path.dirname(os.path.abspath(__file__)),'..','vault','src','default-plan-template.toml')).read()); put('config','date',3,'2026-11-23'); put('config','time',3,'2026-11-23T10:15:00+01:00')
put('zrm','entry',0,'{"score":3,"date":"2026-11-30","note":"Regeling loopt"}'); put('zrm','setting',1,'financien=3'); put('zrm','date',1,'2024-02-29')
print('seeds written to', D)
