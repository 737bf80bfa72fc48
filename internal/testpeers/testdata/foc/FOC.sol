// SPDX-License-Identifier: MIT
// Stand-ins for the Filecoin Onchain Cloud contracts, for tests on anvil.
// Each exposes the same ABI as the real contract for the functions
// dapp-publish and a storage provider call (FilecoinWarmStorageService and
// its StateView, FilecoinPay, PDPVerifier, ServiceProviderRegistry, USDFC),
// and checks what the real ones check on that path: the EIP-712 signatures
// in extraData (CreateDataSet, AddPieces), nonce reuse, operator approval
// and allowances, and funds for the lockup. Pricing, proving and
// settlement are reduced to what the client sees. Compiled with npm solc at
// test time; never committed as bytecode.
pragma solidity ^0.8.20;

contract USDFC {
    string public name = "USD for Filecoin Community (test)";
    string public symbol = "USDFC";
    uint8 public decimals = 18;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    function mint(address to, uint256 v) external { balanceOf[to] += v; emit Transfer(address(0), to, v); }

    function transfer(address to, uint256 v) external returns (bool) { _move(msg.sender, to, v); return true; }

    function approve(address spender, uint256 v) external returns (bool) {
        allowance[msg.sender][spender] = v;
        emit Approval(msg.sender, spender, v);
        return true;
    }

    function transferFrom(address from, address to, uint256 v) external returns (bool) {
        require(allowance[from][msg.sender] >= v, "ERC20: insufficient allowance");
        allowance[from][msg.sender] -= v;
        _move(from, to, v);
        return true;
    }

    function _move(address from, address to, uint256 v) internal {
        require(balanceOf[from] >= v, "ERC20: transfer amount exceeds balance");
        balanceOf[from] -= v;
        balanceOf[to] += v;
        emit Transfer(from, to, v);
    }
}

contract FilecoinPay {
    struct Account { uint256 funds; uint256 lockupCurrent; uint256 lockupRate; uint256 lockupLastSettledAt; }
    struct Approval { bool isApproved; uint256 rateAllowance; uint256 lockupAllowance; uint256 rateUsage; uint256 lockupUsage; uint256 maxLockupPeriod; }
    mapping(address => mapping(address => Account)) public accounts; // token, owner
    mapping(address => mapping(address => mapping(address => Approval))) public operatorApprovals; // token, client, operator
    uint256 public deposits; // number of deposit calls, for tests

    function deposit(address token, address to, uint256 amount) external payable {
        require(USDFC(token).transferFrom(msg.sender, address(this), amount), "transfer failed");
        accounts[token][to].funds += amount;
        deposits++;
    }

    function setOperatorApproval(address token, address operator, bool approved, uint256 rateAllowance, uint256 lockupAllowance, uint256 maxLockupPeriod) external {
        Approval storage a = operatorApprovals[token][msg.sender][operator];
        a.isApproved = approved;
        a.rateAllowance = rateAllowance;
        a.lockupAllowance = lockupAllowance;
        a.maxLockupPeriod = maxLockupPeriod;
    }

    // lock is how the operator (FWSS) commits a payer to a rate and its
    // lockup: the stand-in of creating and modifying rails.
    function lock(address token, address payer, uint256 rate, uint256 lockup) external {
        Approval storage a = operatorApprovals[token][payer][msg.sender];
        require(a.isApproved, "operator not approved");
        require(a.rateUsage + rate <= a.rateAllowance, "operator rate allowance exceeded");
        require(a.lockupUsage + lockup <= a.lockupAllowance, "operator lockup allowance exceeded");
        Account storage acc = accounts[token][payer];
        require(acc.funds >= acc.lockupCurrent + lockup, "insufficient funds for lockup");
        a.rateUsage += rate;
        a.lockupUsage += lockup;
        acc.lockupCurrent += lockup;
        acc.lockupRate += rate;
        acc.lockupLastSettledAt = block.number;
    }
}

struct Cids { bytes data; }

interface PDPListener {
    function dataSetCreated(uint256 dataSetId, address serviceProvider, bytes calldata extraData) external;
    function piecesAdded(uint256 dataSetId, uint256 firstAdded, Cids[] calldata pieceData, bytes calldata extraData) external;
}

contract PDPVerifier {
    uint256 public nextDataSetId = 1;
    mapping(uint256 => address) public listeners;
    mapping(uint256 => address) public storageProviders;
    mapping(uint256 => uint256) internal nextPieceIds;
    event DataSetCreated(uint256 indexed setId, address indexed storageProvider);
    event PiecesAdded(uint256 indexed setId, uint256[] pieceIds, Cids[] pieceCids);

    function createDataSet(address listenerAddr, bytes calldata extraData) public payable returns (uint256) {
        uint256 id = nextDataSetId++;
        listeners[id] = listenerAddr;
        storageProviders[id] = msg.sender;
        PDPListener(listenerAddr).dataSetCreated(id, msg.sender, extraData);
        emit DataSetCreated(id, msg.sender);
        return id;
    }

    // addPieces with setId 0 creates the data set first: extraData is then
    // abi.encode(bytes createExtraData, bytes addExtraData).
    function addPieces(uint256 setId, address listenerAddr, Cids[] calldata pieceData, bytes calldata extraData) external payable returns (uint256) {
        bytes memory addExtra = extraData;
        if (setId == 0) {
            (bytes memory createExtra, bytes memory add) = abi.decode(extraData, (bytes, bytes));
            setId = this.createDataSet(listenerAddr, createExtra);
            storageProviders[setId] = msg.sender;
            addExtra = add;
        }
        require(storageProviders[setId] == msg.sender, "only the data set's storage provider");
        uint256 first = nextPieceIds[setId];
        uint256[] memory ids = new uint256[](pieceData.length);
        for (uint256 i = 0; i < pieceData.length; i++) ids[i] = first + i;
        nextPieceIds[setId] = first + pieceData.length;
        PDPListener(listeners[setId]).piecesAdded(setId, first, pieceData, addExtra);
        emit PiecesAdded(setId, ids, pieceData);
        return first;
    }

    function getNextPieceId(uint256 setId) external view returns (uint256) { return nextPieceIds[setId]; }

    function dataSetLive(uint256 setId) external view returns (bool) { return listeners[setId] != address(0); }
}

contract ServiceProviderRegistry {
    struct ServiceProviderInfo { address serviceProvider; address payee; string name; string description; bool isActive; }
    struct ServiceProduct { uint8 productType; string[] capabilityKeys; bool isActive; }
    struct ProviderWithProduct { uint256 providerId; ServiceProviderInfo providerInfo; ServiceProduct product; bytes[] productCapabilityValues; }
    struct PaginatedProviders { ProviderWithProduct[] providers; bool hasMore; }

    ProviderWithProduct[] internal all;

    function addProvider(address sp, string calldata name, string[] calldata keys, bytes[] calldata values) external returns (uint256) {
        ProviderWithProduct storage p = all.push();
        p.providerId = all.length;
        p.providerInfo = ServiceProviderInfo(sp, sp, name, "stand-in", true);
        p.product.productType = 0; // PDP
        p.product.isActive = true;
        for (uint256 i = 0; i < keys.length; i++) {
            p.product.capabilityKeys.push(keys[i]);
            p.productCapabilityValues.push(values[i]);
        }
        return p.providerId;
    }

    function getProviderWithProduct(uint256 providerId, uint8 productType) external view returns (ProviderWithProduct memory) {
        require(providerId > 0 && providerId <= all.length, "Provider not found");
        ProviderWithProduct memory p = all[providerId - 1];
        require(p.product.productType == productType, "Product not found");
        return p;
    }

    function getProvidersByProductType(uint8 productType, bool onlyActive, uint256 offset, uint256 limit) external view returns (PaginatedProviders memory out) {
        uint256 n = 0;
        ProviderWithProduct[] memory tmp = new ProviderWithProduct[](all.length);
        for (uint256 i = offset; i < all.length && n < limit; i++) {
            if (all[i].product.productType == productType && (!onlyActive || all[i].providerInfo.isActive)) tmp[n++] = all[i];
        }
        out.providers = new ProviderWithProduct[](n);
        for (uint256 i = 0; i < n; i++) out.providers[i] = tmp[i];
        out.hasMore = offset + limit < all.length;
    }
}

contract FilecoinWarmStorageService is PDPListener {
    struct DataSetInfoView { uint256 pdpRailId; uint256 cacheMissRailId; uint256 cdnRailId; address payer; address payee; address serviceProvider; uint256 commissionBps; uint256 clientDataSetId; uint256 pdpEndEpoch; uint256 providerId; uint256 dataSetId; }
    struct ServicePricing { uint256 pricePerTiBPerMonthNoCDN; uint256 pricePerTiBCdnEgress; uint256 pricePerTiBCacheMissEgress; address tokenAddress; uint256 epochsPerMonth; uint256 datasetFeePerMonth; }

    bytes32 constant DOMAIN_TYPEHASH = keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 constant METADATA_ENTRY_TYPEHASH = keccak256("MetadataEntry(string key,string value)");
    bytes32 constant CREATE_DATA_SET_TYPEHASH = keccak256("CreateDataSet(uint256 clientDataSetId,address payee,MetadataEntry[] metadata)MetadataEntry(string key,string value)");
    bytes32 constant CID_TYPEHASH = keccak256("Cid(bytes data)");
    bytes32 constant PIECE_METADATA_TYPEHASH = keccak256("PieceMetadata(uint256 pieceIndex,MetadataEntry[] metadata)MetadataEntry(string key,string value)");
    bytes32 constant ADD_PIECES_TYPEHASH = keccak256("AddPieces(uint256 clientDataSetId,uint256 nonce,Cid[] pieceData,PieceMetadata[] pieceMetadata)Cid(bytes data)MetadataEntry(string key,string value)PieceMetadata(uint256 pieceIndex,MetadataEntry[] metadata)");
    uint256 constant LOCKUP_EPOCHS = 86400; // 30 days

    address public immutable owner;
    uint256[] internal approvedIds;
    address public immutable pdpVerifier;
    address public immutable paymentsContractAddress;
    address public immutable usdfcTokenAddress;
    address public immutable serviceProviderRegistry;
    ServicePricing internal pricing;

    mapping(uint256 => DataSetInfoView) internal dataSets;
    mapping(address => uint256[]) internal clientSets;
    mapping(address => mapping(uint256 => bool)) internal clientDataSetIdUsed;
    mapping(address => mapping(uint256 => bool)) public nonceUsed;
    mapping(uint256 => string[]) internal mdKeys;
    mapping(uint256 => string[]) internal mdValues;
    mapping(uint256 => uint256) public dataSetSize; // padded bytes
    mapping(uint256 => mapping(uint256 => string[])) internal pieceKeys; // data set, piece id
    mapping(uint256 => mapping(uint256 => string[])) internal pieceValues;

    constructor(address verifier, address pay, address token, address registry, uint256 pricePerTiBPerMonth, uint256 datasetFeePerMonth) {
        pdpVerifier = verifier;
        paymentsContractAddress = pay;
        usdfcTokenAddress = token;
        serviceProviderRegistry = registry;
        pricing = ServicePricing(pricePerTiBPerMonth, 0, 0, token, 86400, datasetFeePerMonth);
        owner = msg.sender;
    }

    function addApprovedProvider(uint256 providerId) external {
        require(msg.sender == owner, "only the owner");
        approvedIds.push(providerId);
    }

    function getApprovedProviders(uint256 offset, uint256 limit) external view returns (uint256[] memory providerIds) {
        uint256 n = offset >= approvedIds.length ? 0 : approvedIds.length - offset;
        if (n > limit) n = limit;
        providerIds = new uint256[](n);
        for (uint256 i = 0; i < n; i++) providerIds[i] = approvedIds[offset + i];
    }

    function eip712Domain() external view returns (bytes1 fields, string memory name, string memory version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] memory extensions) {
        return (hex"0f", "FilecoinWarmStorageService", "1", block.chainid, address(this), bytes32(0), new uint256[](0));
    }

    function viewContractAddress() external view returns (address) { return address(this); }

    function getServicePrice() external view returns (ServicePricing memory) { return pricing; }

    function getClientDataSets(address client) external view returns (DataSetInfoView[] memory infos) {
        uint256[] storage ids = clientSets[client];
        infos = new DataSetInfoView[](ids.length);
        for (uint256 i = 0; i < ids.length; i++) infos[i] = dataSets[ids[i]];
    }

    function getDataSet(uint256 dataSetId) external view returns (DataSetInfoView memory) { return dataSets[dataSetId]; }

    function getAllDataSetMetadata(uint256 dataSetId) external view returns (string[] memory keys, string[] memory values) {
        return (mdKeys[dataSetId], mdValues[dataSetId]);
    }

    function dataSetCreated(uint256 dataSetId, address serviceProvider, bytes calldata extraData) external {
        require(msg.sender == pdpVerifier, "only PDPVerifier");
        (address payer, uint256 clientDataSetId, string[] memory keys, string[] memory values, bytes memory sig) =
            abi.decode(extraData, (address, uint256, string[], string[], bytes));
        require(keys.length == values.length, "metadata keys and values differ in length");
        require(!clientDataSetIdUsed[payer][clientDataSetId], "clientDataSetId already used");
        bytes32 structHash = keccak256(abi.encode(CREATE_DATA_SET_TYPEHASH, clientDataSetId, serviceProvider, hashMetadata(keys, values)));
        require(recover(structHash, sig) == payer, "invalid signature for CreateDataSet");
        clientDataSetIdUsed[payer][clientDataSetId] = true;
        dataSets[dataSetId] = DataSetInfoView(dataSetId, 0, 0, payer, serviceProvider, serviceProvider, 0, clientDataSetId, 0, 0, dataSetId);
        clientSets[payer].push(dataSetId);
        for (uint256 i = 0; i < keys.length; i++) {
            mdKeys[dataSetId].push(keys[i]);
            mdValues[dataSetId].push(values[i]);
        }
        uint256 rate = pricing.datasetFeePerMonth / pricing.epochsPerMonth;
        FilecoinPay(paymentsContractAddress).lock(usdfcTokenAddress, payer, rate, rate * LOCKUP_EPOCHS);
    }

    function piecesAdded(uint256 dataSetId, uint256 firstAdded, Cids[] calldata pieceData, bytes calldata extraData) external {
        require(msg.sender == pdpVerifier, "only PDPVerifier");
        DataSetInfoView storage ds = dataSets[dataSetId];
        require(ds.payer != address(0), "data set not managed by this service");
        (uint256 nonce, string[][] memory keys, string[][] memory values, bytes memory sig) =
            abi.decode(extraData, (uint256, string[][], string[][], bytes));
        require(keys.length == pieceData.length && values.length == pieceData.length, "metadata for every piece");
        require(!nonceUsed[ds.payer][nonce], "nonce already used");
        bytes32[] memory cidHashes = new bytes32[](pieceData.length);
        bytes32[] memory mdHashes = new bytes32[](pieceData.length);
        uint256 added = 0;
        for (uint256 i = 0; i < pieceData.length; i++) {
            cidHashes[i] = keccak256(abi.encode(CID_TYPEHASH, keccak256(pieceData[i].data)));
            mdHashes[i] = keccak256(abi.encode(PIECE_METADATA_TYPEHASH, i, hashMetadata(keys[i], values[i])));
            added += paddedSize(pieceData[i].data);
            recordMetadata(dataSetId, firstAdded + i, keys[i], values[i]);
        }
        bytes32 structHash = keccak256(abi.encode(ADD_PIECES_TYPEHASH, ds.clientDataSetId, nonce,
            keccak256(abi.encodePacked(cidHashes)), keccak256(abi.encodePacked(mdHashes))));
        require(recover(structHash, sig) == ds.payer, "invalid signature for AddPieces");
        nonceUsed[ds.payer][nonce] = true;
        uint256 before = rateFor(dataSetSize[dataSetId]);
        dataSetSize[dataSetId] += added;
        uint256 delta = rateFor(dataSetSize[dataSetId]) - before;
        FilecoinPay(paymentsContractAddress).lock(usdfcTokenAddress, ds.payer, delta, delta * LOCKUP_EPOCHS);
    }

    function recordMetadata(uint256 dataSetId, uint256 pieceId, string[] memory keys, string[] memory values) internal {
        for (uint256 j = 0; j < keys.length; j++) {
            pieceKeys[dataSetId][pieceId].push(keys[j]);
            pieceValues[dataSetId][pieceId].push(values[j]);
        }
    }

    function getAllPieceMetadata(uint256 dataSetId, uint256 pieceId) external view returns (string[] memory keys, string[] memory values) {
        return (pieceKeys[dataSetId][pieceId], pieceValues[dataSetId][pieceId]);
    }

    function getPieceMetadata(uint256 dataSetId, uint256 pieceId, string calldata key) external view returns (bool exists, string memory value) {
        string[] storage keys = pieceKeys[dataSetId][pieceId];
        for (uint256 j = 0; j < keys.length; j++) {
            if (keccak256(bytes(keys[j])) == keccak256(bytes(key))) return (true, pieceValues[dataSetId][pieceId][j]);
        }
        return (false, "");
    }

    function rateFor(uint256 size) internal view returns (uint256) {
        return pricing.pricePerTiBPerMonthNoCDN * size / (uint256(1) << 40) / pricing.epochsPerMonth;
    }

    // paddedSize reads the tree height from a v2 piece CID (raw, multihash
    // 0x1011): 0x01 0x55 0x91 0x20 <len> <uvarint padding> <height> <root>.
    function paddedSize(bytes calldata c) internal pure returns (uint256) {
        require(c.length >= 39 && c[0] == 0x01 && c[1] == 0x55 && c[2] == 0x91 && c[3] == 0x20, "not a v2 piece CID");
        uint256 i = 5;
        while (uint8(c[i]) & 0x80 != 0) i++;
        return uint256(32) << uint8(c[i + 1]);
    }

    function hashMetadata(string[] memory keys, string[] memory values) internal pure returns (bytes32) {
        bytes32[] memory h = new bytes32[](keys.length);
        for (uint256 i = 0; i < keys.length; i++) {
            h[i] = keccak256(abi.encode(METADATA_ENTRY_TYPEHASH, keccak256(bytes(keys[i])), keccak256(bytes(values[i]))));
        }
        return keccak256(abi.encodePacked(h));
    }

    function recover(bytes32 structHash, bytes memory sig) internal view returns (address) {
        require(sig.length == 65, "signature must be 65 bytes");
        bytes32 domain = keccak256(abi.encode(DOMAIN_TYPEHASH, keccak256("FilecoinWarmStorageService"), keccak256("1"), block.chainid, address(this)));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", domain, structHash));
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := mload(add(sig, 32))
            s := mload(add(sig, 64))
            v := byte(0, mload(add(sig, 96)))
        }
        if (v < 27) v += 27;
        return ecrecover(digest, v, r, s);
    }
}
