namespace Gateway.Server.Risk;

/// <summary>
/// Default vocabulary, written plainly: the normaliser folds case, accents, look-alikes, leetspeak and
/// repeats on both sides, so "réplique" also catches "REPLIQUE", "rеpliquе" (Cyrillic е) and "r3pl1que".
/// </summary>
internal static class Vocabulary
{
    public static readonly string[] ReplicaTerms =
    [
        // English
        "replica", "replicas", "fake", "fakes", "counterfeit", "knockoff", "knockoffs", "knock off", "super copy", "supercopy",
        "high copy", "first copy", "master copy", "mirror quality", "mirror grade", "mirror image quality", "1:1", "1:1 quality",
        "aaa grade", "aaa quality", "grade aaa", "top aaa", "unauthorized copy", "not original", "non original",
        // French
        "réplique", "répliques", "contrefaçon", "contrefaçons", "qualité miroir", "copie conforme", "fausse marque",
        // Spanish / Italian / Portuguese
        "réplica", "réplicas", "falsificación", "falsificado", "calidad espejo", "qualità specchio", "falso d'autore", "réplica perfeita",
        // German
        "replik", "repliken", "fälschung", "fälschungen", "nachbildung", "spiegelqualität", "plagiat",
        // Russian (folded like everything else)
        "реплика", "подделка",
        // Chinese: high imitation, re-engraved, imitation goods, fine imitation, A-goods, original-order, one-to-one
        "高仿", "复刻", "仿品", "精仿", "a货", "原单", "一比一", "1比1",
    ];

    public static readonly string[] WeakReplicaTerms =
    [
        "copy", "copies", "aaa", "imitation", "imitations", "inspired", "dupe", "lookalike", "look alike",
        "copie", "imitación", "imitacion", "copia", "kopie", "nachahmung", "faux", "falso", "falsa", "仿", "同款",
    ];

    public static readonly string[] HonestPhrases =
    [
        "fake fur", "faux fur", "faux leather", "imitation leather", "imitation jewellery", "imitation jewelry",
        "fake plant", "fake plants", "fake flowers", "fake tan", "copy paper", "aaa battery", "aaa batteries", "copy of receipt", "copy of the receipt", "copy of invoice",
        "fausse fourrure", "simili cuir", "kunstleder", "imitación piel",
    ];

    public static readonly string[] VagueWords =
    [
        "gift", "gifts", "present", "parts", "part", "spare parts", "accessories", "accessory", "sample", "samples", "goods", "item", "items",
        "clothes", "clothing", "apparel", "bag", "bags", "shoes", "product", "products", "merchandise", "stuff", "personal items",
        "cadeau", "échantillon", "vêtements", "geschenk", "muster", "kleidung", "regalo", "muestra", "ropa", "礼物", "样品",
    ];
}
