// FFI overhead through the module's C# interop on mono: the pure call (CmaadLibrary.AbiVersion)
// and the cheapest document round trip (GetApps with a filter that matches nothing: UTF-8
// marshalling in, the native call, the document read back and freed). Run by benches/interop.sh.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using CMAAD.Interop;

public static class InteropBench
{
    static double MedianNs(List<double> xs)
    {
        xs.Sort();
        return xs[xs.Count / 2];
    }

    static double Batch(Action body, int calls)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < calls; i++) body();
        return sw.Elapsed.TotalMilliseconds * 1e6 / calls;
    }

    static List<double> Samples(Action body, int calls, int batches)
    {
        Batch(body, calls); // warm-up (JIT)
        var result = new List<double>();
        for (int b = 0; b < batches; b++) result.Add(Batch(body, calls));
        return result;
    }

    public static int Main(string[] args)
    {
        string dir = Path.Combine(Path.GetTempPath(), "cmaad-interop-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string options = "{\"StorePath\": \"" + Path.Combine(dir, "site.db").Replace("\\", "\\\\") + "\"}";
            using (CmaadSession session = CmaadSession.Open(options))
            {
                uint sink = 0;
                List<double> pure = Samples(() => { sink += CmaadLibrary.AbiVersion; }, 200000, 15);
                string filter = "{\"ClientId\": \"00000000-0000-4000-8000-000000000001\"}";
                List<double> doc = Samples(() => { session.GetApps(filter); }, 2000, 15);
                Console.WriteLine("interop AbiVersion ns {0:F0}", MedianNs(pure));
                Console.WriteLine("interop GetApps-no-match ns {0:F0}", MedianNs(doc));
                return sink == 0 ? 1 : 0;
            }
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
